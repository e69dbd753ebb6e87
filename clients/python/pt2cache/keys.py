"""The key of a descriptor-addressed artifact, computed exactly as the service does.

See docs/key-derivation.md: members whose value is null or an empty object are removed (so absent,
``None`` and ``{}`` mean the same), the subject ``{"descriptor": ..., "kind": ...}`` is serialized
per RFC 8785 (JSON Canonicalization Scheme), and the key is the lower-case hex SHA-256 of its
UTF-8 bytes.
"""

import hashlib
import json
import math
from typing import Any, Dict


def prune(value: Any) -> Any:
    """Drops null members and, bottom-up, members that are or become empty objects."""
    if isinstance(value, dict):
        out = {}
        for name, child in value.items():
            child = prune(child)
            if child is None or (isinstance(child, dict) and not child):
                continue
            out[name] = child
        return out
    return value  # arrays are kept as they are, members inside them included


def canonical_json(value: Any) -> str:
    """RFC 8785 serialization: sorted keys (by UTF-16 code units), no whitespace, ES numbers."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):  # JCS reads every number as a double, as the service does
        if abs(value) < 2 ** 53:
            return str(value)
        try:
            return _es_number(float(value))
        except OverflowError:
            raise ValueError("a number beyond the range of a double has no canonical form")
    if isinstance(value, float):
        return _es_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(
            json.dumps(k, ensure_ascii=False) + ":" + canonical_json(v) for k, v in items) + "}"
    raise TypeError("not JSON: %r" % type(value))


def _es_number(x: float) -> str:
    """A float as ECMAScript's Number::toString writes it (what RFC 8785 asks)."""
    if math.isnan(x) or math.isinf(x):
        raise ValueError("JSON has no NaN or Infinity")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits, exponent = _shortest_digits(abs(x))
    n = exponent + 1  # position of the decimal point, as in the ES algorithm
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return sign + mantissa + "e" + ("+" if e > 0 else "-") + str(abs(e))


def _shortest_digits(x: float):
    """The shortest round-trip decimal digits of x and the exponent of the first one."""
    mantissa, _, exp = ("%r" % x).partition("e")
    exponent = int(exp) if exp else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent += len(whole) - 1 - (len(whole + frac) - len((whole + frac).lstrip("0")))
    return digits.rstrip("0") or "0", exponent


# the descriptor's members and their types, as the service's contract defines them
_STRINGS = {
    "model": ("name", "version", "fingerprint"),
    "software": ("torch", "triton", "cuda", "rocm", "python"),
    "hardware": ("gpu", "capability"),
    "compile": ("backend", "mode"),
}
_MAPS = {"hardware": ("tags",), "compile": ("dynamic", "options")}


def normalize(descriptor: Dict[str, Any]) -> Dict[str, Any]:
    """The descriptor as the service reads it: a number or boolean in a text field as its JSON
    text, ``"true"``/``"false"`` as booleans (a number for ``dynamic`` raises ``ValueError``). A member the contract does not define raises
    ``ValueError``, as the service refuses it (400): dropped, a misspelt ``cuda`` would give two
    different builds one key."""
    _refuse_unknown("descriptor", descriptor, _STRINGS.keys())
    out: Dict[str, Any] = {}
    for section, fields in _STRINGS.items():
        given = descriptor.get(section)
        if not isinstance(given, dict):
            continue
        _refuse_unknown("descriptor." + section, given, fields + _MAPS.get(section, ()))
        part = {name: _text(given.get(name)) for name in fields}
        if section == "hardware" and isinstance(given.get("tags"), dict):
            part["tags"] = {str(k): _text(v) for k, v in given["tags"].items()}
        if section == "compile":
            part["dynamic"] = _boolean(given.get("dynamic"))
            part["options"] = given.get("options")
        out[section] = part
    return out


def _refuse_unknown(where: str, given: Dict[str, Any], known) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError("unknown field %s.%s: the contract accepts only %s there"
                         % (where, unknown[0], ", ".join(sorted(known))))


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)  # the text the client sends, which the service reads as a string


_BOOLEAN_WORDS = {"true": True, "True": True, "TRUE": True,
                  "false": False, "False": False, "FALSE": False}


def _boolean(value: Any) -> Any:
    """``compile.dynamic`` as the service reads it: a boolean, or the word for one; a number or
    any other text is refused (400), so it is refused here too."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value]
    raise ValueError("compile.dynamic must be true or false, not %r" % (value,))


def derive_key(kind: str, descriptor: Dict[str, Any]) -> str:
    """The key the service derives for a descriptor-addressed kind (``mega-cache``, ...)."""
    subject = prune({"descriptor": normalize(descriptor), "kind": kind})
    return hashlib.sha256(canonical_json(subject).encode("utf-8")).hexdigest()
