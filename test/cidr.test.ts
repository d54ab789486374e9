import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cidrSubnet, cidrsOverlap, formatCidr, parseCidr } from "../infra/network/cidr";
import { subnetLayout } from "../infra/network/layout";

const cidr = (s: string) => {
  const parsed = parseCidr(s);
  assert.ok(parsed, `${s} should parse`);
  return parsed;
};

describe("CIDR arithmetic", () => {
  it("parses and formats blocks, and refuses host bits, bad octets and bad prefixes", () => {
    assert.equal(formatCidr(cidr("10.40.0.0/16")), "10.40.0.0/16");
    assert.equal(formatCidr(cidr("0.0.0.0/0")), "0.0.0.0/0");
    for (const bad of ["10.40.0.1/16", "256.0.0.0/8", "10.0.0.0/33", "10.0.0/16", "10.0.0.0", " 10.0.0.0/16"]) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });

  it("computes subnets as Terraform's cidrsubnet does", () => {
    assert.equal(formatCidr(cidrSubnet(cidr("10.0.0.0/16"), 3, 1)), "10.0.32.0/19");
    assert.equal(formatCidr(cidrSubnet(cidr("10.0.0.0/16"), 8, 255)), "10.0.255.0/24");
    assert.throws(() => cidrSubnet(cidr("10.0.0.0/16"), 3, 8), /does not fit/);
  });

  it("detects overlap, including containment, and not adjacency", () => {
    assert.ok(cidrsOverlap(cidr("10.0.0.0/16"), cidr("10.0.128.0/20")));
    assert.ok(cidrsOverlap(cidr("10.0.0.0/8"), cidr("10.200.0.0/16")));
    assert.ok(!cidrsOverlap(cidr("10.0.0.0/16"), cidr("10.1.0.0/16")));
    assert.ok(!cidrsOverlap(cidr("172.20.0.0/16"), cidr("10.40.0.0/16")));
  });
});

describe("subnet layout", () => {
  it("gives each AZ a /19 private, a /22 public and a /22 isolated subnet of a /16", () => {
    const layout = subnetLayout("10.40.0.0/16", 3);
    assert.deepEqual(layout.private, ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"]);
    assert.deepEqual(layout.public, ["10.40.192.0/22", "10.40.196.0/22", "10.40.200.0/22"]);
    assert.deepEqual(layout.isolated, ["10.40.224.0/22", "10.40.228.0/22", "10.40.232.0/22"]);
  });

  it("never overlaps, stays inside the VPC, and keeps existing subnets when an AZ is added", () => {
    for (const vpc of ["10.0.0.0/16", "192.168.0.0/20"]) {
      const six = subnetLayout(vpc, 6);
      const all = [...six.private, ...six.public, ...six.isolated].map(cidr);
      for (const [i, a] of all.entries()) {
        assert.ok(cidrsOverlap(a, cidr(vpc)) && a.prefix > cidr(vpc).prefix, `${formatCidr(a)} inside ${vpc}`);
        for (const b of all.slice(i + 1)) assert.ok(!cidrsOverlap(a, b), `${formatCidr(a)} overlaps ${formatCidr(b)}`);
      }
      const two = subnetLayout(vpc, 2);
      assert.deepEqual(six.private.slice(0, 2), two.private);
      assert.deepEqual(six.isolated.slice(0, 2), two.isolated);
    }
  });
});
