"""Plotly figure builders: data in, figure out. Nothing here imports streamlit."""
