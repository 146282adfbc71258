"""The notifier's thin channels: SMS, WebSocket push, outbound webhooks, and the console outbox."""
