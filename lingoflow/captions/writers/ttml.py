"""TTML in the EBU-TT-D profile (EBU Tech 3380): what broadcasters' and HbbTV/DASH players take.

The profile's basics: the tt namespace with xml:lang, ttp:timeBase="media" with clock times
(hh:mm:ss.fff, the same milliseconds as the SRT), a cell resolution, the document's
conformance in ebuttm metadata, one style and one bottom region referenced by every paragraph,
and one <p> per cue with its lines separated by <br/>."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .base import CaptionWriter, Document

TT = "http://www.w3.org/ns/ttml"
TTP = "http://www.w3.org/ns/ttml#parameter"
TTS = "http://www.w3.org/ns/ttml#styling"
TTM = "http://www.w3.org/ns/ttml#metadata"
EBUTTM = "urn:ebu:tt:metadata"
EBUTTS = "urn:ebu:tt:style"
XML = "http://www.w3.org/XML/1998/namespace"
CONFORMS_TO = "urn:ebu:tt:distribution:2018-04"
NAMESPACES = {"": TT, "ttp": TTP, "tts": TTS, "ttm": TTM, "ebuttm": EBUTTM, "ebutts": EBUTTS}

# characters XML 1.0 cannot carry (display_text already dropped control characters)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clock(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, f = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{f:03d}"


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def document(cues: list, language: str) -> ET.Element:
    tt = ET.Element(_q(TT, "tt"), {_q(XML, "lang"): language, _q(TTP, "timeBase"): "media", _q(TTP, "cellResolution"): "50 30"})
    head = ET.SubElement(tt, _q(TT, "head"))
    meta = ET.SubElement(ET.SubElement(head, _q(TT, "metadata")), _q(EBUTTM, "documentMetadata"))
    ET.SubElement(meta, _q(EBUTTM, "conformsToStandard")).text = CONFORMS_TO
    ET.SubElement(ET.SubElement(head, _q(TT, "styling")), _q(TT, "style"), {
        _q(XML, "id"): "default", _q(TTS, "fontFamily"): "proportionalSansSerif", _q(TTS, "fontSize"): "100%",
        _q(TTS, "lineHeight"): "normal", _q(TTS, "textAlign"): "center", _q(TTS, "color"): "#FFFFFF",
        _q(TTS, "backgroundColor"): "#000000C2", _q(EBUTTS, "linePadding"): "0.5c"})
    ET.SubElement(ET.SubElement(head, _q(TT, "layout")), _q(TT, "region"), {
        _q(XML, "id"): "bottom", _q(TTS, "origin"): "10% 10%", _q(TTS, "extent"): "80% 80%", _q(TTS, "displayAlign"): "after"})
    div = ET.SubElement(ET.SubElement(tt, _q(TT, "body")), _q(TT, "div"))
    for i, cue in enumerate(cues, 1):
        p = ET.SubElement(div, _q(TT, "p"), {_q(XML, "id"): f"c{i}", "begin": clock(round(cue.start * 1000)),
                                             "end": clock(round(cue.end * 1000)), "region": "bottom", "style": "default"})
        for k, line in enumerate(cue.lines):
            if k:
                ET.SubElement(p, _q(TT, "br"))
            ET.SubElement(p, _q(TT, "span")).text = _NOT_XML.sub("", line)
    return tt


class TtmlWriter(CaptionWriter):
    name, suffix = "ttml", ".ttml"

    def render(self, cues: list, doc: Document) -> str:
        for prefix, uri in NAMESPACES.items():
            ET.register_namespace(prefix, uri)
        root = document(cues, doc.language)
        ET.indent(root, space=" ")
        for p in root.iter(_q(TT, "p")):  # no layout whitespace inside a paragraph: it would show
            p.text = None
            for child in p:
                child.tail = None
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
