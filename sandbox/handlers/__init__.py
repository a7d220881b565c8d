"""One module per REST method family; each exports `HANDLERS` (method name → function)."""
