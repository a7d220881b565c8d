# pyright: strict
"""One module per REST method family; each declares its methods as `METHODS` (`Method` rows).

A method's action holds only its rules; the steps they are made of are in `steps.py`
(checks, loads, writes) and `fields.py` (reading `fields`).
"""
