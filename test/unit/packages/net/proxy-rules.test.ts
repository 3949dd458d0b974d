import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bypasses, parseProxyUrl, proxyFor, redactProxy } from '@slipway/net';

const at = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), env)?.href;

test('HTTPS_PROXY serves https URLs and HTTP_PROXY http URLs, lower case first', () => {
  const env = {
    HTTPS_PROXY: 'http://upper:3128',
    https_proxy: 'http://lower:3128',
    HTTP_PROXY: 'http://plain:8080',
  };
  assert.equal(at('https://ecr.example.com/', env), 'http://lower:3128/');
  assert.equal(at('http://ecr.example.com/', env), 'http://plain:8080/');
  assert.equal(
    at('https://ecr.example.com/', { HTTP_PROXY: 'http://plain:8080' }),
    undefined,
    'no fallback across schemes',
  );
  assert.equal(at('https://ecr.example.com/', {}), undefined);
});

test('an unset or empty NO_PROXY bypasses nothing, loopback included', () => {
  assert.equal(at('http://127.0.0.1:5000/v2/', { HTTP_PROXY: 'http://p:1' }), 'http://p:1/');
  assert.equal(at('http://localhost:5000/', { HTTP_PROXY: 'http://p:1', NO_PROXY: '' }), 'http://p:1/');
  assert.equal(at('http://[::1]:5000/', { HTTP_PROXY: 'http://p:1', no_proxy: '' }), 'http://p:1/');
});

test('NO_PROXY matches hosts, domain suffixes, IPs, CIDR blocks, ports and *', () => {
  const cases: [string, number, string, boolean][] = [
    ['example.com', 443, 'example.com', true],
    ['api.example.com', 443, 'example.com', true],
    ['api.example.com', 443, '.example.com', true],
    ['api.example.com', 443, '*.example.com', true],
    ['badexample.com', 443, 'example.com', false],
    ['example.com.evil.net', 443, 'example.com', false],
    ['EXAMPLE.com', 443, 'example.COM', true],
    ['example.com', 8443, 'example.com:443', false],
    ['example.com', 443, 'example.com:443', true],
    ['10.1.2.3', 80, '10.0.0.0/8', true],
    ['11.1.2.3', 80, '10.0.0.0/8', false],
    ['127.0.0.1', 80, '127.0.0.1', true],
    ['127.0.0.2', 80, '127.0.0.1', false],
    ['127.0.0.1', 5000, '127.0.0.1:5000', true],
    ['127.0.0.1', 5001, '127.0.0.1:5000', false],
    ['::1', 80, '::1', true],
    ['[::1]', 80, '[::1]:80', true],
    ['fd00::5', 80, 'fd00::/8', true],
    ['10.0.0.1', 80, 'example.com, 10.0.0.0/24 , other', true],
    ['anything.at.all', 1, '*', true],
    ['127.0.0.1', 80, 'localhost', false],
  ];
  for (const [host, port, noProxy, expected] of cases) {
    assert.equal(bypasses(host, port, noProxy), expected, `${host}:${port} with NO_PROXY=${noProxy}`);
  }
});

test('proxy URLs: a bare host:port means http, credentials stay in the URL but never in what is printed', () => {
  assert.equal(parseProxyUrl('proxy.corp:3128').href, 'http://proxy.corp:3128/');
  const withAuth = parseProxyUrl('http://bob:p%40ss@proxy.corp:3128');
  assert.equal(withAuth.username, 'bob');
  assert.equal(decodeURIComponent(withAuth.password), 'p@ss');
  assert.equal(redactProxy(withAuth), 'http://***@proxy.corp:3128/');
  assert.throws(() => parseProxyUrl('socks5://proxy:1080'), /only http:\/\/ and https:\/\/ proxies work/);
});
