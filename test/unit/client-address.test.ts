// The address the throttle counts a caller by: IPv4 as it is (also when the socket shows it IPv4-mapped), IPv6 by its
// /64 however it is written, so a host cannot take a fresh allowance from each address of its own /64.
import type { Request } from 'express';
import { clientAddress } from '../../api/throttle';

const of = (ip: string) => clientAddress({ ip } as Request);

it('counts IPv4 by the address, written either way', () => {
  expect(of('203.0.113.7')).toBe('203.0.113.7');
  expect(of('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(of('203.0.113.8')).not.toBe(of('203.0.113.7'));
});

it('counts IPv6 by its /64, however the address is written', () => {
  const key = of('2001:db8:1:2::1');
  for (const ip of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:9', '2001:db8:1:2:a:b:c:d', '2001:db8:1:2::5%eth0']) {
    expect({ ip, key: of(ip) }).toEqual({ ip, key });
  }
  expect(of('2001:db8:1:3::1')).not.toBe(key);
  expect(of('::1')).toBe('0:0:0:0::/64');
});
