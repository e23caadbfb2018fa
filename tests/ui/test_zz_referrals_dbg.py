from tests.ui.test_referral_dialog import make_case, make_institutions, open_dialog, choose, settle
from PySide6.QtCore import Qt
import io
from pypdf import PdfReader

def test_dbg(qtbot, real_vault):
    case = make_case(real_vault)
    places = make_institutions(real_vault)
    dialog = open_dialog(qtbot, real_vault, case.id)
    dialog.form.reason.setPlainText("Зарплату не выплачивают с марта.")
    choose(qtbot, dialog, places["inspectorate"])
    dialog.form.services.item(3).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.issued, timeout=15_000):
        dialog.save_button.click()
    settle(qtbot)
    qtbot.wait(100)
    print("PDF:", PdfReader(io.BytesIO(dialog.pdf)).pages[0].extract_text()[:120])
    dialog.page_labels[0].pixmap().save("/tmp/referrals/label.png")
    dialog.grab().save("/tmp/referrals/dlg.png")
