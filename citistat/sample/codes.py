"""Integer codes for the answer columns while tickets are drawn; text only when the frame is built.

Each tuple is the code → text table; the names below are the codes the
generator refers to. None is a blank cell.
"""

from __future__ import annotations

from .catalog import STATUS_CLOSED, STATUS_OPEN, STATUS_REOPENED, STATUS_RETURNED

STATUS_TEXT = (STATUS_CLOSED, STATUS_OPEN, STATUS_RETURNED, STATUS_REOPENED)
CLOSED, OPEN, RETURNED, REOPENED = range(4)

FLAG_TEXT = ("是", "否", None)
YES, NO, FLAG_BLANK = range(3)

RESOLUTION_TEXT = ("已解决", "未解决", "部分解决", None)
RESOLVED, UNRESOLVED, PARTLY_RESOLVED, RESOLUTION_BLANK = range(4)

SATISFACTION_TEXT = ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "未回访", "拒绝评价", "无法联系", None)
VERY_SATISFIED, SATISFIED, BASICALLY_SATISFIED, DISSATISFIED, VERY_DISSATISFIED = range(5)
NOT_SURVEYED, REFUSED, UNREACHABLE, SATISFACTION_BLANK = range(5, 9)
# codes up to VERY_DISSATISFIED are real answers: the call-back counted as valid
LAST_REAL_ANSWER = VERY_DISSATISFIED
