"""Page presenters: what each page shows (choices, labels, rows, metrics), computed without
Streamlit so pages stay thin layouts and this logic is unit-tested. Only `reviewer.ui`
imports streamlit; presenters never do."""
