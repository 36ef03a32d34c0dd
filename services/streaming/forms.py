"""Forms of stored values: each table value says which form it was written in.

A worker reads the forms up to its own; a value of a newer form (written by a newer version
during a rolling upgrade) is refused with this error rather than misread. A change of shape adds
a form and a function turning the old form into the new one.
"""


class StoredFormError(ValueError):
    """A stored value of a form this version cannot read."""


def check_form(form: int, readable: int, what: str) -> None:
    """Refuse a stored value of a form newer than `readable`."""
    if form > readable:
        raise StoredFormError(f"{what} of form {form}; this version reads up to form {readable}")
