"""News from the network: a consent of its own, never needed for job alerts and always needed
for a campaign. Given when signing up for alerts, when registering for an open event (handed
over by outreach, with the event's target groups as the interest), or in the preference
centre; withdrawn there or by a campaign mail's one-click link. Plain Python."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Interest:
    """What an address without a saved search to go by said it is interested in: the target
    groups (and fields and municipalities) of what it registered for."""

    target_groups: tuple[str, ...] = ()
    occupation_fields: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
