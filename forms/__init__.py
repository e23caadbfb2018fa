"""Declarative case forms (YAML) and the schema that validates them; rendered by `desktop`.

- `forms/*.yaml` — the intake (`intake.yaml`) and the details forms (`case_details.yaml`,
  `unpaid_wages.yaml`, `forced_labour.yaml`, `entry_ban.yaml`, `documents.yaml`,
  `detention.yaml`); an organisation's folder (`KOMOK_FORMS_DIR`, else
  `<data folder>/forms`) replaces or adds files without a code change.
- `forms.schema` — what a form file may say (pydantic) and which keys are real columns.
- `forms.loader` — `load_forms()` / `default_forms()`, with `FormError` naming the file.
- `forms.values` — conditions, checking values per field type, storage in `details`.
- `forms.intake` — `submit_intake()`: a new case (and client) from the intake form.
- `forms.details` — `details_form()`, `sections_for()`, `read_details()`, `save_details()`.

The desktop renders a form with `desktop.form_view.FormView`.
"""
