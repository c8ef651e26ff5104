"""NSX list paging: ``?cursor=&page_size=`` -> ``{results, result_count, cursor}``; no cursor on the last page.

MP cursors are opaque strings; NSXLIB treats a cursor starting ``0000`` as the end, so a real next-page cursor never
starts that way (offsets are >= 1). Policy lists use numeric cursors.
"""

import zlib

from .errors import bad_request

MAX_PAGE_SIZE = 1000


def page_size_of(query):
    raw = query.get("page_size")
    if raw in (None, ""):
        return MAX_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise bad_request(f"Invalid value for page_size: {raw}") from None
    if size < 0 or size > MAX_PAGE_SIZE:
        raise bad_request(f"page_size must be between 0 and {MAX_PAGE_SIZE}, got {size}")
    # NSX treats page_size 0 as "default".
    return size or MAX_PAGE_SIZE


def _signature(key, offset):
    return f"{zlib.crc32(f'{key}|{offset}'.encode()):08x}"


def make_cursor(key, offset):
    return f"{offset:04d}{_signature(key, offset)}"


def offset_of(key, cursor, total, numeric=False):
    """Decode a cursor for the listing ``key``; an unknown or foreign cursor is a 400."""
    if cursor in (None, ""):
        return 0
    if numeric:
        if not cursor.isdigit() or not 0 < int(cursor) <= max(total, 1):
            raise bad_request(f"Invalid cursor: {cursor}")
        return int(cursor)
    digits = len(cursor) - 8
    head, sig = cursor[:digits], cursor[digits:]
    if digits < 4 or not head.isdigit() or sig != _signature(key, int(head)) or int(head) > total:
        raise bad_request(f"Invalid cursor: {cursor}")
    return int(head)


def paginate(items, query, key, numeric=False, extra=None):
    """One page of ``items`` (a list) as NSX answers it."""
    size = page_size_of(query)
    total = len(items)
    start = offset_of(key, query.get("cursor"), total, numeric)
    end = start + size
    body = {"results": items[start:end], "result_count": total}
    if end < total:
        body["cursor"] = str(end) if numeric else make_cursor(key, end)
    if extra:
        body.update(extra)
    return body
