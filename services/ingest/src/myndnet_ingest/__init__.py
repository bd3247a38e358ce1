"""Ingest: the agencies' HTTP door to their own topics, for HR systems without a Kafka client."""
