"""SMS: the durable outbound queue and its sender, Twilio and console transports, keywords,
segments, phone numbers and verification codes."""
