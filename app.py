"""Entry point for `streamlit run app.py`: routes only.

Every page calls `reviewer.ui.page_setup` itself (DB handle, reviewer identity, sidebar), so
a page opened by direct link works the same as one reached through this router.
"""

import streamlit as st

from reviewer.ui import NAV, PAGE_ICON

st.set_page_config(page_title="reviewer", page_icon=PAGE_ICON, layout="wide")

PAGES = [
    st.Page(script, title=title, icon=icon, url_path=url_path, default=(i == 0))
    for i, (script, title, icon, url_path) in enumerate(NAV)
]

# Hidden: the sidebar links from reviewer.ui.page_setup are the menu on every page.
st.navigation(PAGES, position="hidden").run()
