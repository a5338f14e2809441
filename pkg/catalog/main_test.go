package catalog_test

import (
	"os"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// TestMain stops the shared Backstage server the pipeline conformance test
// starts.
func TestMain(m *testing.M) { os.Exit(testenv.BackstageMain(m)) }
