"""Pure, cited clinical rules. Nothing here imports streamlit, plotly or duckdb."""
