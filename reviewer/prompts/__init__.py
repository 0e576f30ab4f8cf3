"""The split prompt as a thing a team improves: its versions, the few-shot set it carries,
the checks that set must pass, and how reviewers changed what each version produced."""
