# %% [markdown]
# # Instructor · Run an event
#
# For the instructor, not the participants (it sits outside their numbered sequence). One notebook to
# **plan** an event for many participants in one account or on one sandbox, **start** it (a prefix, a
# state file and a least-privilege IAM policy per participant), **watch** every participant live, and
# **clean up** everything at the end.
#
# The same from a terminal: `python -m helpers event plan|start|status|cleanup` (see the README).

# %% tags=["parameters"]
event = None             # None: the event this machine runs (`make hub` sets it) or the newest one; a name starts
                         # a new event (participants get the prefixes NAME-01, NAME-02, ...) with start_new_event
start_new_event = False  # True starts `event`; with the defaults, Run All never starts a second event
participants = 3         # how many (a new event)
backend = "sandbox"      # "sandbox" (one shared sandbox on this machine) or "aws" (one shared account)
region = None            # None: us-east-1
launch_type = None       # None: FARGATE
hours = 4                # how long the event lasts, for the cost
refresh_every = 15       # seconds between refreshes of the live status
clean_up_now = False     # True deletes every participant's resources (the last section)

# %% [markdown]
# ## Plan
#
# What the participants need against the account's quotas (Service Quotas and the services' own counts;
# on the sandbox, this machine's memory) and what the event costs. A red row names the quota to raise
# before the event, with the command that asks for it.

# %%
from helpers import event as events
from helpers.core.settings import WorkshopSettings

event = events.resolve_event(event, new=start_new_event)
participants = participants if start_new_event else len(events.known_prefixes(event))  # a running event's own
settings = WorkshopSettings.build(
    **{k: v for k, v in {"backend": backend, "region": region, "launch_type": launch_type}.items() if v}
)
plan = events.plan_event(participants, settings, hours)
plan.show()

# %%
plan.cost_frame()

# %% [markdown]
# ## Start
#
# With `start_new_event = True`, each participant gets the prefix `EVENT-NN` and a state file with these settings,
# as if they had run notebook 00; their IAM policies (AWS) and the AWS Workshop Studio files are written next to the
# event's record, and the table says where. Otherwise this shows the event that is already running.

# %%
if start_new_event:
    shown = events.start_event(event, participants, backend=backend, region=region, launch_type=launch_type, hours=hours).show()
else:
    shown = events.describe_event(event)
shown

# %% [markdown]
# ## Watch
#
# Per participant: the furthest notebook completed (read from what exists), what each environment answers,
# failed pipeline runs with their reason, and leftovers after cleanup. The table refreshes itself while you
# keep working in this notebook.

# %%
events.live_status(event, every=refresh_every)

# %% [markdown]
# ## Clean up
#
# Deletes every participant's resources (several at once), then asks every service again. Resources of
# other events, and of prefixes that are not this event's, are never touched. Set `clean_up_now = True`
# in the parameters (or run `python -m helpers event cleanup --event EVENT`) when the event is over.

# %%
cleaned = events.cleanup_event(event).show() if clean_up_now else None
cleaned or print(f"Not cleaning up yet: set clean_up_now = True, or run `python -m helpers event cleanup --event {event}`.")
