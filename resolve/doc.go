// Package resolve parses secret references and fetches their values from AWS
// Systems Manager Parameter Store and AWS Secrets Manager.
//
// It knows nothing of processes: it takes references and gives back values,
// versions and errors. It never logs, wraps or formats a value.
//
// # Grammar
//
// A string is a reference when it starts with "ssm:" or "secretsmanager:"
// (see IsReference). It must then have one of the forms below; one that does
// not is an error, never text to pass on. A string that only contains "ssm:"
// somewhere after its start is not a reference.
//
//	ssm:NAME                                   NAME is /a/b/c or plain-name
//	ssm:NAME:SELECTOR                          SELECTOR is a version (3) or a label (prod)
//	ssm:arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]
//	ssm://NAME, ssm:///NAME                    remind101/ssm-env: all after "ssm://" is NAME
//
//	secretsmanager:SECRET
//	secretsmanager:SECRET:JSON-KEY:VERSION-STAGE:VERSION-ID
//
// SECRET is a secret's name, a partial ARN or a full ARN
// (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf). The three
// trailing fields are those of an ECS task definition's valueFrom: each may be
// empty or left off, so "secretsmanager:prod/db:password",
// "secretsmanager:ARN:password::" and "secretsmanager:ARN::AWSPREVIOUS:" all
// parse. An ARN is recognised by its "arn:" start and always takes exactly
// seven colon-separated fields; a fourth trailing field is an error.
//
// The awkward cases:
//
//   - SSM names cannot hold a colon, so the first colon after the name starts
//     the selector: "ssm:/a/b:3" is version 3, "ssm:/a/b:live" is label live,
//     and "ssm:/a/b:3:4" is an error.
//   - A hierarchical SSM name starts with "/": "ssm:a/b" and "ssm://a/b" are
//     errors, as SSM itself refuses such names; "ssm:///a/b" is "/a/b".
//   - An SSM ARN drops the leading slash of a hierarchical name
//     (…:parameter/a/b is /a/b); it is sent to AWS as written.
//   - Secret names cannot hold a colon either, so the fields after SECRET
//     split on every colon: a JSON key with a colon in it cannot be named.
//   - An explicit AWSCURRENT stage without a version id means the same as
//     none, and is the same Reference.
//   - Names and references are case-sensitive: "SSM:/a" is not a reference.
package resolve
