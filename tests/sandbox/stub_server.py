"""A minimal scripted QBWC server on 127.0.0.1 (werkzeug, no spyne) for the Web Connector tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

NS = "http://developer.intuit.com/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"

# operation -> (request parameters with XSD types, result type)
OPERATIONS: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "serverVersion": ((), "s:string"),
    "clientVersion": ((("strVersion", "s:string"),), "s:string"),
    "authenticate": ((("strUserName", "s:string"), ("strPassword", "s:string")),
                     "tns:ArrayOfString"),
    "sendRequestXML": ((("ticket", "s:string"), ("strHCPResponse", "s:string"),
                        ("strCompanyFileName", "s:string"), ("qbXMLCountry", "s:string"),
                        ("qbXMLMajorVers", "s:int"), ("qbXMLMinorVers", "s:int")), "s:string"),
    "receiveResponseXML": ((("ticket", "s:string"), ("response", "s:string"),
                            ("hresult", "s:string"), ("message", "s:string")), "s:int"),
    "connectionError": ((("ticket", "s:string"), ("hresult", "s:string"),
                         ("message", "s:string")), "s:string"),
    "getLastError": ((("ticket", "s:string"),), "s:string"),
    "closeConnection": ((("ticket", "s:string"),), "s:string"),
}
CORE = ("authenticate", "sendRequestXML", "receiveResponseXML", "connectionError",
        "getLastError", "closeConnection")


def wsdl_text(url: str, operations: tuple[str, ...]) -> str:
    """A document/literal wrapped WSDL in the shape of Intuit's, for ``operations``."""
    elements, messages, port_ops, binding_ops = [], [], [], []
    for name in operations:
        params, result = OPERATIONS[name]
        inner = "".join(f'<s:element minOccurs="{1 if kind == "s:int" else 0}" maxOccurs="1" '
                        f'name="{p}" type="{kind}"/>' for p, kind in params)
        elements.append(f'<s:element name="{name}"><s:complexType><s:sequence>{inner}'
                        "</s:sequence></s:complexType></s:element>")
        elements.append(f'<s:element name="{name}Response"><s:complexType><s:sequence>'
                        f'<s:element minOccurs="{1 if result == "s:int" else 0}" maxOccurs="1" '
                        f'name="{name}Result" type="{result}"/></s:sequence></s:complexType>'
                        "</s:element>")
        for suffix, element in (("SoapIn", name), ("SoapOut", f"{name}Response")):
            messages.append(f'<wsdl:message name="{name}{suffix}"><wsdl:part name="parameters" '
                            f'element="tns:{element}"/></wsdl:message>')
        port_ops.append(f'<wsdl:operation name="{name}"><wsdl:input message="tns:{name}SoapIn"/>'
                        f'<wsdl:output message="tns:{name}SoapOut"/></wsdl:operation>')
        binding_ops.append(f'<wsdl:operation name="{name}"><soap:operation soapAction="{NS}{name}" '
                           'style="document"/><wsdl:input><soap:body use="literal"/></wsdl:input>'
                           '<wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>')
    return ('<?xml version="1.0" encoding="utf-8"?><wsdl:definitions '
            'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
            f'xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NS}" '
            f'targetNamespace="{NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">'
            f'<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="{NS}">'
            + "".join(elements) +
            '<s:complexType name="ArrayOfString"><s:sequence><s:element minOccurs="0" '
            'maxOccurs="unbounded" name="string" nillable="true" type="s:string"/></s:sequence>'
            "</s:complexType></s:schema></wsdl:types>" + "".join(messages) +
            '<wsdl:portType name="QBWebConnectorSvcSoap">' + "".join(port_ops) +
            '</wsdl:portType><wsdl:binding name="QBWebConnectorSvcSoap" '
            'type="tns:QBWebConnectorSvcSoap"><soap:binding '
            'transport="http://schemas.xmlsoap.org/soap/http" style="document"/>'
            + "".join(binding_ops) + '</wsdl:binding><wsdl:service name="QBWebConnectorSvc">'
            '<wsdl:port name="QBWebConnectorSvcSoap" binding="tns:QBWebConnectorSvcSoap">'
            f'<soap:address location="{url}"/></wsdl:port></wsdl:service></wsdl:definitions>')


@dataclass
class Call:
    operation: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes


Answer = Any  # a value, or a callable taking the call's params
Script = dict[str, list[Answer]]


@dataclass
class StubServer:
    """Answers each operation from a queue (the last answer repeats); records every call."""

    script: Script
    operations: tuple[str, ...] = CORE
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    def names(self) -> list[str]:
        return [call.operation for call in self.calls]

    def _next(self, operation: str, params: dict[str, str]) -> Any:
        queue = self.script.get(operation, [""])
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(params) if callable(answer) else answer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.method == "GET":
            body = wsdl_text(self.url, self.operations)
            return Response(body, content_type="text/xml; charset=utf-8")(environ,
                                                                           start_response)
        root = etree.fromstring(request.get_data())
        operation_element = root.find(f"{{{SOAP}}}Body")[0]
        operation = etree.QName(operation_element).localname
        params = {etree.QName(child).localname: child.text or "" for child in operation_element}
        self.calls.append(Call(operation, params, dict(request.headers), request.get_data()))
        if operation not in OPERATIONS or (operation in ("serverVersion", "clientVersion")
                                           and operation not in self.script
                                           and operation not in self.operations):
            fault = (f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault>'
                     "<faultcode>soap:Client</faultcode><faultstring>unknown operation"
                     "</faultstring></soap:Fault></soap:Body></soap:Envelope>")
            return Response(fault, status=500, content_type="text/xml; charset=utf-8")(
                environ, start_response)
        answer = self._next(operation, params)
        if operation == "authenticate":
            result = "".join(f"<string>{escape(str(v))}</string>" for v in answer)
        else:
            result = escape(str(answer))
        envelope = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}">'
                    f'<soap:Body><{operation}Response xmlns="{NS}"><{operation}Result>{result}'
                    f"</{operation}Result></{operation}Response></soap:Body></soap:Envelope>")
        return Response(envelope, content_type="text/xml; charset=utf-8")(environ,
                                                                           start_response)


@contextmanager
def serve(stub: StubServer) -> Iterator[StubServer]:
    server = make_server("127.0.0.1", 0, stub, threaded=True)
    stub.url = f"http://127.0.0.1:{server.server_port}/qbwc"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        thread.join()
