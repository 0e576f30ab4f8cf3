"""Entry point for `streamlit run app.py`: routes only.

Every page calls `reviewer.ui.page_setup` itself (DB handle, reviewer identity, sidebar), so
a page opened by direct link works the same as one reached through this router.
"""

import streamlit as st

st.set_page_config(page_title="reviewer", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
            url_path="overview", default=True),
    st.Page("pages/import.py", title="Import", icon=":material/upload_file:",
            url_path="import"),
    st.Page("pages/review.py", title="Review", icon=":material/rate_review:",
            url_path="review"),
    st.Page("pages/export.py", title="Export", icon=":material/download:",
            url_path="export"),
]

st.navigation(PAGES, position="top").run()
