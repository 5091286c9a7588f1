"""Import: upload the project's CSV/Excel layout or CDISC datasets, read the validation report, confirm."""

import streamlit as st

from cmltrack.config import database_label, database_path
from cmltrack.db import queries as q
from cmltrack.db.lock import DatabaseBusy
from cmltrack.db.postgres import ServerError
from cmltrack.ingest.plan import import_sources
from cmltrack.ingest.problems import ImportRejected
from cmltrack.ingest.readers import SUFFIXES
from cmltrack.ingest.template import template_zip
from cmltrack.ui import auth, import_view, session, shell
from cmltrack.ui.escape import md

shell.require_app()
st.subheader("Import data")
if not auth.may_import():
    st.info("Importing writes to the shared database: ask a data manager (listed under [cmltrack] importers in "
            "secrets.toml) to import your files.")
    st.stop()

st.markdown("Upload the project's layout (**patients**, **treatments**, **labs**, **responses**, "
            "**adverse_events**: one CSV each, or one Excel workbook with those sheets) or CDISC datasets "
            "(ADSL/DM, ADEX/EX, ADRS/RS, ADAE/AE, ADTTE as .xpt, .rda/.RData, .csv or .parquet). Everything is "
            "checked first; nothing is written until you confirm, and a failed import leaves the database as it was.")
st.download_button("Template (CSV, one file per table)", template_zip, file_name="cmltrack_import_template.zip",
                   mime="application/zip", on_click="ignore", icon=":material/download:")
files = st.file_uploader("Files to import", type=[s.lstrip(".") for s in SUFFIXES], accept_multiple_files=True,
                         key="import_files")
if not files:
    st.caption(f"The database now: {md(database_label())} ({len(q.patient_ids(session.cursor()))} patients).")
    st.stop()

existing = q.patient_ids(session.cursor())
with st.spinner("Checking the files..."):
    plan = import_view.checked(files, existing, session.database_key())
import_view.show_report(plan)
if not plan.ok:
    st.stop()

counts = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in plan.counts.items() if n)
st.success(f"**Valid.** Ready to import {counts}.", icon=":material/check_circle:")
mode = st.radio("Into the database", ["add", "replace"], horizontal=True, key="import_mode",
                format_func={"add": f"Add these patients to the {len(existing)} already there",
                             "replace": "Replace the whole database with these files"}.get)
sure = mode == "add" or st.checkbox(f"Yes: remove the {len(existing)} patients now in the database", key="sure")
if st.button(f"Import {plan.counts['patients']} patients", type="primary", disabled=not sure,
             icon=":material/upload:"):
    bar = st.progress(0.0, text="Starting")
    try:
        with import_view.on_disk(files) as sources:  # deleted when the import ends, whatever the outcome
            import_sources(database_path(), sources, mode=mode,
                           progress=lambda f, text: bar.progress(min(f, 1.0), text))
    except DatabaseBusy as exc:
        st.error(f"**{md(exc)}.** Nothing was written.", icon=":material/hourglass:")
    except ServerError as exc:  # the server failed mid-import: its transaction was rolled back
        st.error(f"**The database server stopped the import:** {type(exc).__name__}. Nothing was written; try again, "
                 "or ask the server's administrator.", icon=":material/database:")
    except ImportRejected as exc:  # the database changed since the check (another import)
        st.error(f"**Import refused:** {len(exc.problems)} error(s). Nothing was written.")
        st.code(str(exc))
    except (ValueError, RuntimeError) as exc:  # e.g. a server encoding that cannot store the data
        st.error(f"**The import could not be written:** {md(exc)}. Nothing was written.", icon=":material/database:")
    except Exception as exc:  # noqa: BLE001 (an unforeseen failure is said in words; the write is atomic)
        st.error(f"**The import failed:** {type(exc).__name__}: {md(exc)}. Nothing was written; please report this "
                 "with the files you imported.", icon=":material/error:")
    else:
        import_view.forget_check()
        st.success(f"Imported {counts}. Every page now shows the new database.", icon=":material/done_all:")
        st.page_link("pages/cohort.py", label="Open the cohort", icon=":material/view_timeline:")
