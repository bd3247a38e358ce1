"""Who may do what on the network's Kafka, in the secure profile. Plain Python: the bindings are
created by `handlers.access` (agencies) and `myndnet_membership.commands service-logins`
(services).

- An agency's principal `agency-<code>` may write only topics prefixed `hr.<code>.`.
- A service's principal (its name) may read what it consumes, write (and create) only its own
  topic and its DLQ, and use only consumer groups prefixed `<service>.`.
- ingest, the agencies' HTTP door, may write every `hr.` topic (and nothing else of theirs).
- Reading an agency's topics is granted per agency, as it joins: vacancies reads
  `hr.<code>.vacancies`, mentoring reads `hr.<code>.leadership`.

Who writes and reads which topic is `myndnet_schemas.topics.TOPICS`.
"""

from dataclasses import dataclass
from enum import Enum

from myndnet_schemas import topics

CLUSTER = "kafka-cluster"


class Resource(Enum):
    TOPIC = "topic"
    GROUP = "group"
    CLUSTER = "cluster"


class Pattern(Enum):
    LITERAL = "literal"
    PREFIXED = "prefixed"


class Operation(Enum):
    READ = "read"
    WRITE = "write"
    CREATE = "create"
    ALTER = "alter"
    DESCRIBE = "describe"
    IDEMPOTENT_WRITE = "idempotent_write"


@dataclass(frozen=True)
class Acl:
    """Allow `principal` (a user name) to do `operation` on a resource."""

    principal: str
    operation: Operation
    resource: Resource
    name: str
    pattern: Pattern = Pattern.LITERAL

    def describe(self) -> str:
        kind = "prefix" if self.pattern is Pattern.PREFIXED else "name"
        return f"{self.principal}: {self.operation.name} on {self.resource.name} {kind} {self.name}"


SERVICES = topics.SERVICES


def agency_principal(code: str) -> str:
    return f"agency-{code}"


def agency_acls(code: str) -> list[Acl]:
    """The agency writes its own topics; the services that consume them read them."""
    prefix = f"hr.{code}."
    return [
        Acl(agency_principal(code), Operation.WRITE, Resource.TOPIC, prefix, Pattern.PREFIXED),
        Acl(agency_principal(code), Operation.DESCRIBE, Resource.TOPIC, prefix, Pattern.PREFIXED),
        Acl("vacancies", Operation.READ, Resource.TOPIC, topics.hr_vacancies(code)),
        Acl("mentoring", Operation.READ, Resource.TOPIC, topics.hr_leadership(code)),
        Acl("exchange", Operation.READ, Resource.TOPIC, topics.hr_exchange(code)),
    ]


def service_acls(service: str) -> list[Acl]:
    acls = [
        Acl(service, Operation.READ, Resource.GROUP, f"{service}.", Pattern.PREFIXED),
        Acl(service, Operation.IDEMPOTENT_WRITE, Resource.CLUSTER, CLUSTER),
    ]
    for topic in topics.read_by(service):
        acls += [
            Acl(service, Operation.READ, Resource.TOPIC, topic),
            Acl(service, Operation.CREATE, Resource.TOPIC, topic),
        ]
    for topic in topics.written_by(service):
        acls += [
            Acl(service, Operation.WRITE, Resource.TOPIC, topic),
            Acl(service, Operation.CREATE, Resource.TOPIC, topic),
            Acl(service, Operation.DESCRIBE, Resource.TOPIC, topic),
        ]
    if service == "membership":
        # It onboards agencies: creates their topics, their logins and their ACLs.
        acls += [
            Acl(service, Operation.CREATE, Resource.TOPIC, "hr.", Pattern.PREFIXED),
            Acl(service, Operation.DESCRIBE, Resource.TOPIC, "hr.", Pattern.PREFIXED),
            Acl(service, Operation.ALTER, Resource.CLUSTER, CLUSTER),
            Acl(service, Operation.DESCRIBE, Resource.CLUSTER, CLUSTER),
        ]
    if service == "ingest":
        # The agencies' HTTP door: it publishes for every agency that holds a key, each event
        # to its own agency's topics only (it checks the key's agency against the source).
        acls += [
            Acl(service, Operation.WRITE, Resource.TOPIC, "hr.", Pattern.PREFIXED),
            Acl(service, Operation.DESCRIBE, Resource.TOPIC, "hr.", Pattern.PREFIXED),
        ]
    return acls
