"""Pure format code: vCard, CSV/XLSX, duplicate detection.

No Flask, no database session: model objects (or plain records) in, text or bytes out;
bytes in, plain records out. The real-world quirks of other programs live here.
"""
