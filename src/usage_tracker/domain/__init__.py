"""Pure types and rules of the domain: money, periods, records. No I/O here."""
