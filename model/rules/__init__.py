"""Decision rules as pure, vectorised functions, one module per actor.

Each function takes arrays (one entry per agent, or one per cell) and scalars and
returns new arrays; none reads or writes model state, so each is unit-tested on
hand-picked inputs. `from civres.model import rules` gives every rule and constant by name
(rules.grievance, rules.LETHAL_LEVEL, ...).

Every function broadcasts, so a batch of B replicates can be stepped at once by adding a
leading replicate axis, and each replicate gets exactly what the rule gives it alone:

- a per-replicate scalar (legitimacy, support, learning, a share of citizens) becomes an
  array of shape (B,);
- a per-agent array becomes (B, N);
- a per-pillar array (pillar loyalty, patronage, economic exposure) becomes (B, 6). The
  pillar axis is always the last: rules reduce over it with `axis=-1` (keepdims where
  the result meets (B, 6) again);
- a per-replicate scalar that a rule combines element by element with per-agent or
  per-pillar arrays is passed by the caller as (B, 1) (`x[:, None]`), so that it
  broadcasts along that last axis: e.g. `pillar_change`'s dispersed and violent shares,
  `patronage_shares`' learning, `next_fatigue`'s rate and progress. Rules that reduce
  over the last axis or return per-replicate values take (B,) and add the axis
  themselves: `regime_support`, `patronage` (resources, learning), `armed_subset`
  (places);
- model switches (`backfire_on`, `flank_on`, `rounded`) stay plain bools, the same for
  the whole batch; campaign events (`granted`, `judged`, `intervened`) may be bool
  arrays (B,).

With today's scalar and one-campaign inputs the rules return what they always did:
Python floats where they returned floats (`progress`, `regime_support`,
`conceded_baseline`, `next_frustration`, what `patronage` spends).
"""

from .citizens import *  # noqa: F403
from .conflict import *  # noqa: F403
from .regime import *  # noqa: F403
from .security import *  # noqa: F403
