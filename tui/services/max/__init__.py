"""MAX: the activity stream (posts, comments, likes, contexts), its OAuth password grant (its server imitation lives in `tui.sandbox.max`)."""
