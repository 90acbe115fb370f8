"""The API token in the OpenAPI schema (drf-spectacular): ``Authorization: Token <key>``."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class ApiTokenScheme(KnoxTokenScheme):
    target_class = "accounts.authentication.CachedTokenAuthentication"
    # The name the schema has always used for it.
    name = "tokenAuth"
