"""The backtest: replay the warehouse's history under each buying policy and count what it cost."""
