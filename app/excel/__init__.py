"""Excel import and export: safe reading of uploaded workbooks and cell value helpers."""
