package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenRoundTrip(t *testing.T) {
	i, err := NewIssuer("0123456789abcdef")
	require.NoError(t, err)
	tok, err := i.GenerateToken(context.Background(), 7, "ada", []string{"admin"}, time.Minute)
	require.NoError(t, err)
	c, err := i.ValidateToken(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, int64(7), c.UserID)
	assert.Equal(t, "ada", c.Username)
}

func TestRejectsShortSecretsAndBadTokens(t *testing.T) {
	_, err := NewIssuer("short")
	assert.Error(t, err)
	i, _ := NewIssuer("0123456789abcdef")
	_, err = i.ValidateToken(context.Background(), "x.y.z")
	assert.True(t, errors.Is(err, ErrInvalidToken))
}
