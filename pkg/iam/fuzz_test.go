package iam

import (
	"errors"
	"testing"
)

// FuzzValidate feeds arbitrary documents to the IAM policy validator: it
// never panics, refuses with a *ValidationError (or ErrInvalid) when it
// refuses, and accepts every policy the generators produce.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:x"}]}`))
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["s3:*"],"Resource":"*","Condition":{"StringEquals":{"aws:x":"y"}}}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"Statement":[{"Sid":"a b"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data)
		if err == nil {
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Validate error %T %v is neither a *ValidationError nor ErrInvalid", err, err)
		}
	})
}
