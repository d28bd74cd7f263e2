"""The Web Connector's AppSupport page: public, and free of any company data."""

from __future__ import annotations

from flask import Blueprint, render_template

from qbwc_service.web.common import app_context

__all__ = ["TROUBLESHOOTING", "blueprint"]

blueprint = Blueprint("support", __name__)

# (what the Web Connector shows, what it means, what to do) — advice only, never data.
TROUBLESHOOTING: tuple[tuple[str, str, str], ...] = (
    ("QBWC1048", "The Web Connector could not verify this server's certificate.",
     "The service must be reached over https with a certificate from a trusted authority "
     "(a complete chain, matching host name, not expired). Ask IT to check the certificate; "
     "a self-signed certificate must be trusted by Windows on the QuickBooks computer."),
    ("QBWC1012", "Authentication with this service failed because of an error on the server side "
     "or a dropped connection.",
     "Check that the service is running and reachable from the QuickBooks computer, then run the "
     "update again. If it keeps failing, IT will find the cause in the service log."),
    ("QBWC1013", "The Web Connector could not connect to QuickBooks.",
     "Open QuickBooks and the company file named in the application's .qwc file, close any open "
     "dialog boxes in QuickBooks, and run the update again."),
    ("QBWC1016", "No application was selected, or it was left unchecked.",
     "Tick the check box next to this application in the Web Connector before choosing "
     "Update Selected, or turn on Auto-Run."),
    ("QuickBooks is not running", "QuickBooks or the company file is not open, or it is open in "
     "the wrong mode (single-user versus multi-user).",
     "Start QuickBooks, open the company file this application was added for and keep it open "
     "while the Web Connector runs. If QuickBooks asks a question on screen, answer it first."),
    ("Application not authorised", "QuickBooks has not given this application permission to "
     "read and write the company file.",
     "Sign in to QuickBooks as the Admin user in single-user mode, run the update once, and "
     "choose \u201cYes, always; allow access even if QuickBooks is not running\u201d. Check it later "
     "under Edit \u2192 Preferences \u2192 Integrated Applications \u2192 Company Preferences."),
    ("Wrong password (QBWC1030, QBWC1040)", "The password typed into the Web Connector does not "
     "match the one set for its user name on this service.",
     "Ask IT for the Web Connector password of this company file and type it again in the "
     "Password column of the Web Connector."),
)


@blueprint.route("/support")
def support() -> str:
    return render_template("support.html", troubleshooting=TROUBLESHOOTING,
                           soap_url=app_context().settings.soap_url)
