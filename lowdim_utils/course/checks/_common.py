"""Helpers shared by the lessons' checks (no exercise of its own)."""
from ..registry import Feedback

NOT_CHECKED = "not checked until the output has the expected form (see above)."


def later(validate, *args, **kwargs):
    """Run ``validate(*args, **kwargs)`` (e.g. a shape check already reported by the first part) in a
    later part: on failure, a short pointer instead of the same message again."""
    try:
        return validate(*args, **kwargs)
    except Feedback:
        raise Feedback(NOT_CHECKED) from None


def positive_number(out, call: str, why: str) -> float:
    """``out`` as one positive float, or feedback naming ``call`` (e.g. ``"dominant_period(x, dt)"``)
    and ``why`` the value must be positive."""
    from ..registry import expect, expect_array
    arr = expect_array(out, call)
    expect(arr.size == 1, f"{call} should return one number, got shape {arr.shape}.")
    v = float(arr.reshape(()))
    expect(v > 0, f"{call} returned {v:.4g}; {why}")
    return v
