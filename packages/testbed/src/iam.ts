/** Access keys of an IAM user created in moto. */
export interface IamUserKeys {
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version?: string;
  Statement: {
    Sid?: string;
    Effect: 'Allow' | 'Deny';
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
  }[];
}

/**
 * How many unauthenticated requests {@link createRestrictedUser} makes for `policy`: three, or two
 * for a policy without statements (IAM refuses an empty document, so the user gets no policy).
 */
export function restrictedUserRequests(policy: PolicyDocument): number {
  return policy.Statement.length ? 3 : 2;
}

async function iamCall(motoUrl: string, params: Record<string, string>): Promise<string> {
  // Only moto's request router reads this header (to pick the IAM backend); it is never checked
  // because createRestrictedUser runs inside the unauthenticated window of a startMoto({
  // initialNoAuthActionCount }) server, or against a moto that does not enforce auth at all.
  const authorization =
    'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0';
  const res = await fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`IAM ${params.Action} against moto answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

/**
 * Creates an IAM user with one inline policy and an access key, in exactly three unauthenticated
 * requests (CreateUser, PutUserPolicy, CreateAccessKey). With a moto from
 * `startMoto({ initialNoAuthActionCount: n })`, count them in `n` ({@link restrictedUserRequests});
 * afterwards requests signed with the returned keys are authorised against `policy` (e.g.
 * PutObject without s3:PutObject → AccessDenied). A policy without statements (a one-action policy
 * with that action removed) gives a user with no policy at all, in two requests.
 */
export async function createRestrictedUser(
  moto: { url: string },
  userName: string,
  policy: PolicyDocument,
): Promise<IamUserKeys> {
  await iamCall(moto.url, { Action: 'CreateUser', UserName: userName });
  if (policy.Statement.length) {
    await iamCall(moto.url, {
      Action: 'PutUserPolicy',
      UserName: userName,
      PolicyName: `${userName}-policy`,
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', ...policy }),
    });
  }
  const xml = await iamCall(moto.url, { Action: 'CreateAccessKey', UserName: userName });
  const accessKeyId = xml.match(/<AccessKeyId>([^<]+)<\/AccessKeyId>/)?.[1];
  const secretAccessKey = xml.match(/<SecretAccessKey>([^<]+)<\/SecretAccessKey>/)?.[1];
  if (!accessKeyId || !secretAccessKey)
    throw new Error(`CreateAccessKey returned no key: ${xml.slice(0, 300)}`);
  return { userName, accessKeyId, secretAccessKey };
}
