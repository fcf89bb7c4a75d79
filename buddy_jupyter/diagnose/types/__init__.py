"""TypeError: the rules of three kinds of mistake, tried in one order.

``operands``: values of the wrong types combined (``'I am ' + age``, a text column in arithmetic);
``calls``: a call that does not fit (wrong arguments, a value called like a function);
``indexing``: indexing or looping over the wrong kind of object (``x[0]`` on None, ``for i in 10``).
The order mixes them: where two rules read the same message, the narrower one comes first (a text
column in a pandas reduction before mixed operands, ``must be real number, not str`` before mixed
operands, a float index before any wrong index type).
"""

from __future__ import annotations

from .calls import argument_type, arguments, not_callable, one_argument_method, shape_as_dtype, takes_no_arguments
from .indexing import (float_as_integer, iloc_with_label, item_assignment, no_len, not_iterable, not_subscriptable,
                       wrong_index_type)
from .operands import mixed_operands, multiply_sequence, text_in_numbers

RULES = {TypeError: [text_in_numbers, iloc_with_label, argument_type, one_argument_method, shape_as_dtype,
                     mixed_operands, takes_no_arguments, arguments, not_callable, not_subscriptable, not_iterable,
                     float_as_integer, wrong_index_type, no_len, item_assignment, multiply_sequence]}
