"""cmltrack entry point: page config, navigation, and the cohort filters shared by every page."""

import streamlit as st

from cmltrack.ui import auth, page_style, session, shell, sidebar, widget_guard

shell.disable_pages_folder_mode()
widget_guard.install()
st.set_page_config(page_title="cmltrack", page_icon=str(shell.ICON), layout="wide")
page_style.apply()
auth.require_login()

navigation = st.navigation([
    st.Page("pages/cohort.py", title="Cohort", icon=":material/view_timeline:", default=True),
    st.Page("pages/clinic.py", title="Clinic", icon=":material/checklist:", url_path="clinic"),
    st.Page("pages/patient.py", title="Patient", icon=":material/person:", url_path="patient"),
    st.Page("pages/patients.py", title="Patients", icon=":material/table_rows:", url_path="patients"),
    st.Page("pages/outcomes.py", title="Outcomes", icon=":material/query_stats:", url_path="outcomes"),
    st.Page("pages/safety.py", title="Safety", icon=":material/health_and_safety:", url_path="safety"),
    st.Page("pages/board.py", title="Board", icon=":material/co_present:", url_path="board"),
    st.Page("pages/import.py", title="Import", icon=":material/upload_file:", url_path="import"),
])
with shell.running(), session.pinned() as con:
    sidebar.render_filters(con)
    navigation.run()
shell.freeze_loaded_objects()  # a run that ended: the server's modules are loaded
