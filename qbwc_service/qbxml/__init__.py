"""qbXML: rendering, validation, parsing and value formatting. Knows nothing of Magento."""

from qbwc_service.qbxml import status, values
from qbwc_service.qbxml.exceptions import (
    Problem,
    QbxmlError,
    QbxmlValidationError,
    ResponseParseError,
    TemplateError,
    UnknownOperationError,
)
from qbwc_service.qbxml.hcp_response import (
    AUTO_VERSION,
    SERVICE_VERSIONS,
    HostCompanyPreferences,
    negotiate_version,
    parse_hcp,
    version_ceiling,
)
from qbwc_service.qbxml.parse import (
    QbResponse,
    ResponseMessageSet,
    RetRecord,
    iter_rets,
    parse_response,
)
from qbwc_service.qbxml.render import (
    ITERABLE_QUERIES,
    render_message_set,
    render_request,
    shorten_name,
    validate_request,
)
from qbwc_service.qbxml.schema import load_operations
from qbwc_service.qbxml.status import StatusInfo, classify, explain_hresult, status_kind
from qbwc_service.qbxml.templates import TemplateSet, load_templates
from qbwc_service.qbxml.xsd import XsdValidator, find_xsd_dir, load_validator

__all__ = [
    "AUTO_VERSION",
    "ITERABLE_QUERIES",
    "SERVICE_VERSIONS",
    "HostCompanyPreferences",
    "Problem",
    "QbResponse",
    "QbxmlError",
    "QbxmlValidationError",
    "ResponseMessageSet",
    "ResponseParseError",
    "RetRecord",
    "StatusInfo",
    "TemplateError",
    "TemplateSet",
    "UnknownOperationError",
    "XsdValidator",
    "classify",
    "explain_hresult",
    "find_xsd_dir",
    "iter_rets",
    "load_operations",
    "load_templates",
    "load_validator",
    "negotiate_version",
    "parse_hcp",
    "parse_response",
    "render_message_set",
    "render_request",
    "shorten_name",
    "status",
    "status_kind",
    "validate_request",
    "values",
    "version_ceiling",
]
