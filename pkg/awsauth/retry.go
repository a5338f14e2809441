package awsauth

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// STSClient is the one STS call awsauth makes. *sts.Client satisfies it;
// tests point one at moto or at a fault-injecting proxy.
type STSClient interface {
	AssumeRoleWithWebIdentity(ctx context.Context, params *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error)
}

// newRetryer is the retryer of the STS client awsauth builds: the SDK's
// standard retryer (exponential backoff with full jitter) with the codes
// that retrying cannot fix refused, and IDPCommunicationError retried.
func newRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(stsRetryable)}, o.Retryables...)
	})
}

func stsRetryable(err error) aws.Ternary {
	code, kind := classify(err)
	switch {
	case kind != nil:
		return aws.FalseTernary
	case code == "IDPCommunicationError":
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// failFastClient calls an STSClient with the fail-fast codes refused by its
// retryer, whichever retryer it has: stscreds marks InvalidIdentityToken
// retryable, and awsauth overrules that, since the same token is refused
// again.
type failFastClient struct{ STSClient }

func (c failFastClient) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	optFns = append(optFns, func(o *sts.Options) {
		if o.Retryer != nil {
			o.Retryer = failFastRetryer{retryerV2(o.Retryer)}
		}
	})
	return c.STSClient.AssumeRoleWithWebIdentity(ctx, in, optFns...)
}

type failFastRetryer struct{ aws.RetryerV2 }

// IsErrorRetryable refuses the fail-fast codes, then asks the retryer.
func (r failFastRetryer) IsErrorRetryable(err error) bool {
	switch stsRetryable(err) {
	case aws.FalseTernary:
		return false
	case aws.TrueTernary:
		return true
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

func retryerV2(r aws.Retryer) aws.RetryerV2 {
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return v1Retryer{r}
}

type v1Retryer struct{ aws.Retryer }

func (r v1Retryer) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// isTransient reports whether a token request error may succeed when
// repeated: network errors and 429/5xx answers.
func isTransient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	return retry.RetryableConnectionError{}.IsErrorRetryable(err) == aws.TrueTernary || errors.Is(err, context.DeadlineExceeded)
}
