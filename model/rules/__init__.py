"""Decision rules as pure, vectorised functions, one module per actor.

Each function takes arrays (one entry per agent, or one per cell) and scalars and
returns new arrays; none reads or writes model state, so each is unit-tested on
hand-picked inputs. Every function broadcasts, so a batch of replicates can be stepped
at once by adding a leading axis. `from model import rules` gives every rule and
constant by name (rules.grievance, rules.LETHAL_LEVEL, ...).
"""

from .citizens import *  # noqa: F403
from .conflict import *  # noqa: F403
from .regime import *  # noqa: F403
from .security import *  # noqa: F403
