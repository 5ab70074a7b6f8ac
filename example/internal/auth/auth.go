// Package auth issues and checks the service's JWTs (HS256).
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are what a token says about its holder.
type Claims struct {
	UserID   int64    `json:"uid"`
	Username string   `json:"name"`
	Roles    []string `json:"roles"`
	jwt.RegisteredClaims
}

// Issuer signs and validates tokens with one shared secret.
type Issuer struct {
	secret []byte
	now    func() time.Time
}

// ErrInvalidToken wraps every reason a token is refused.
var ErrInvalidToken = errors.New("invalid token")

// NewIssuer refuses short secrets: HS256 with a guessable key is no authentication.
func NewIssuer(secret string) (*Issuer, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("JWT secret must be at least 16 bytes, got %d", len(secret))
	}
	return &Issuer{secret: []byte(secret), now: time.Now}, nil
}

// GenerateToken returns a signed token for the user, valid for duration.
func (i *Issuer) GenerateToken(ctx context.Context, userID int64, username string, roles []string, duration time.Duration) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	now := i.now()
	claims := Claims{
		UserID:   userID,
		Username: username,
		Roles:    roles,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   fmt.Sprint(userID),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(duration)),
			Issuer:    "workflows",
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(i.secret)
}

// ValidateToken checks signature, algorithm, issuer and expiry, and returns the claims.
func (i *Issuer) ValidateToken(ctx context.Context, token string) (*Claims, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	claims := &Claims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return i.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer("workflows"),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(i.now),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return claims, nil
}
