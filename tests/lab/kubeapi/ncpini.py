"""Reading the NCP mode out of an ncp.ini text, the way NCP itself decides it at start."""

import configparser
import hashlib

TRUE_WORDS = {"true", "1", "yes", "on"}


def policy_nsxapi(ini_text):
    """True when ``[nsx_v3] policy_nsxapi`` is true; unset or unparsable means MP mode (False)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(ini_text or "")
    except configparser.Error:
        return False
    return parser.get("nsx_v3", "policy_nsxapi", fallback="False").strip().lower() in TRUE_WORDS


def digest(ini_text):
    return hashlib.sha256((ini_text or "").encode()).hexdigest()
