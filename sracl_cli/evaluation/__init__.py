"""Full-ranking evaluation: streamed top-k ranks, metrics, reports."""
