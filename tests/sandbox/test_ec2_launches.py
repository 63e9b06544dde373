"""Instances launched at once into one subnet each get an address, as on AWS.

The sandbox serves requests on threads and moto is not written for that: it draws a subnet's next private address
from one generator, and a second thread advancing it meanwhile failed with "generator already executing",
answered as a 500. Notebook 01 on EC2 makes the three environments' Auto Scaling groups at once, which launch into
the same subnets; one of them failed that way in a `make test` run. The race is a few microseconds wide, so the test
calls the sandbox's EC2 backend from threads with the interpreter switching threads every microsecond (through
HTTP it would pass by luck as often as not)."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import localaws.services  # noqa: F401  (the sandbox's service classes, as the running sandbox has them)
from localaws.services.ec2.models import ReservedNamesEC2Backend

AMI = "ami-12c6146b"  # one of moto's default Amazon Linux images in us-east-1


def test_launches_at_once_into_one_subnet_each_get_their_own_address():
    backend = ReservedNamesEC2Backend("us-east-1", "123456789012")
    vpc = backend.create_vpc("10.42.0.0/16")
    subnet = backend.create_subnet(vpc.id, "10.42.0.0/16")

    def launch(_: int) -> list[str]:
        reservation = backend.run_instances(
            AMI, 3, None, [], subnet_id=subnet.id, instance_type="t3.micro", is_instance_type_default=False
        )
        return [instance.private_ip for instance in reservation.instances]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            addresses = [address for launched in pool.map(launch, range(200)) for address in launched]
    finally:
        sys.setswitchinterval(interval)
    assert len(addresses) == 600
    assert len(set(addresses)) == 600, "two instances were given one address"
