"""Notifications and SMS: one notifier core with thin channels, the SMS conversation.

- :mod:`~tradeassist.notify.core` and :mod:`~tradeassist.notify.matching`: who gets
  which alert (indexed subscriptions, quiet hours, per-user text budget and digests);
- ``channels/``: SMS (durable queue), per-user WebSocket push, signed webhooks,
  the console outbox used when Twilio is not configured;
- ``sms/``: the queue's sender (retries, circuit breaker), Twilio transport,
  carrier keywords, segments, phone verification;
- ``parser/``: text into the command model (offline grammar, Claude with tool use);
- :mod:`~tradeassist.notify.conversation`, :mod:`~tradeassist.notify.inbound` and
  :mod:`~tradeassist.notify.webhooks`: inbound texts to actions and replies;
- :mod:`~tradeassist.notify.service`: everything built from the settings.
"""
