"""Import, export and duplicates: CSV/XLSX/vCard import with preview and undo, exports,
duplicate finder and merge. The format code itself lives in crm/interop/."""
