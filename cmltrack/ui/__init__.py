"""Streamlit glue shared by app.py and the pages (the only cmltrack package that imports streamlit)."""
