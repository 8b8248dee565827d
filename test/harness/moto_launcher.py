"""Start moto_server with the KMS gaps that matter to Ethereum signing closed.

Usage: python3 moto_launcher.py PORT   (binds 127.0.0.1 only)

moto 5.2 gaps patched here (see DESIGN.md section 10):
  * Sign/Verify ignore MessageType=DIGEST: moto hashes the given "digest" again and signs
    sha256(digest), so a KMS-signed Ethereum transaction would not recover to the key's address.
    Real KMS signs a DIGEST as given. Patched for the ECDSA algorithms with Prehashed(...).
  * Sign/Verify accept a DIGEST of any length; real KMS answers ValidationException when the
    length is not the hash size of the algorithm (32 bytes for ECDSA_SHA_256). Patched.
  * GetPublicKey answers CustomerMasterKeySpec but not KeySpec; real KMS answers both. Patched.
  * GetPublicKey answers for a disabled key or one pending deletion; real KMS refuses them
    (DisabledException, KMSInvalidStateException). Patched: key plans rely on it.
  * GetPublicKey answers a made-up public key for a symmetric (SYMMETRIC_DEFAULT) or HMAC key;
    real KMS refuses both with UnsupportedOperationException (there is no public key). Patched:
    a key plan must report such a key as one broken row.
  * DisableKey and ScheduleKeyDeletion on a key pending deletion: moto carries them out
    (DisableKey even moves the key back to Disabled); real KMS refuses both with
    KMSInvalidStateException and the key stays pending deletion. Patched: two key applies
    retiring the same extra key at once rely on it.
  * IAM users have no permissions boundary in moto (CreateUser ignores PermissionsBoundary,
    GetUser answers none, Put/DeleteUserPermissionsBoundary are not implemented); roles have
    one. Patched like roles, and a boundary policy that does not exist is refused with
    NoSuchEntity as real IAM does: the access plan creates the boundary before the users.
  * S3 PutObject with If-None-Match: * or If-Match: <etag>: moto 5.2 honours both headers
    (412 PreconditionFailed), but checks the object and then writes it without a lock, and
    moto_server serves each request on its own thread: two writers racing for one key can both
    succeed. Real S3 decides conditional writes atomically (one wins, the other gets 412), which
    the Keymaster's lease relies on. Patched: PutObject is serialised per server.
  * Bucket policies: moto enforces the statements of a bucket policy on object requests but
    evaluates no condition, and a statement whose condition it cannot evaluate counts as a
    Deny, whatever its effect (moto.iam.access_control.IAMPolicyStatement). The Keymaster state
    bucket's `Deny PutObject ... Null s3:if-none-match` would refuse every write, conditional or
    not; real S3 refuses only writes without If-None-Match. Patched: statements with a
    Condition are left out of moto's evaluation (they are proven by simulation instead), so
    unconditioned Denies (no deleting ledger objects) are still enforced on moto.

Speed (behaviour unchanged):
  * moto asks the file system which service directories it has on every request, twice (one
    stat per service: about 180 calls a request, a fifth of its CPU in this suite). The list
    cannot change while it runs: it is read once.
  * werkzeug logs every request at INFO; nobody reads those lines (the harness keeps stderr
    for startup errors). Only warnings and errors are logged.

Gaps left open (not needed by this project):
  * RSASSA_* algorithms with MessageType=DIGEST still hash again (moto's behaviour).
  * moto does not enforce IAM policies or key policies at all, nor a bucket policy's Allow (an
    anonymous S3 GET succeeds): prove policies by simulation (@cloud-copilot/iam-simulate).
  * IAM returns policy documents as plain JSON; real IAM URL-encodes them. Code must accept both.
"""

import contextvars
import json
import logging
import os
import sys
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

import moto.backends
import moto.server
from moto.kms import responses as kms_responses
from moto.s3 import models as s3_models
from moto.s3 import responses as s3_responses
from moto.kms import utils as kms_utils
from moto.core.exceptions import JsonRESTError
from moto.kms.exceptions import ValidationException
from moto.core.responses import EmptyResult
from moto.core.serialize import never_return, return_if_not_empty
from moto.iam import models as iam_models
from moto.iam import responses as iam_responses
from moto.iam.exceptions import NoSuchEntity

# Hash of each ECDSA signing algorithm, for prehashed signing and for the digest length check.
ECDSA_HASHES = {
    "ECDSA_SHA_256": hashes.SHA256,
    "ECDSA_SHA_384": hashes.SHA384,
    "ECDSA_SHA_512": hashes.SHA512,
}

# Set for the duration of one Sign/Verify request whose MessageType is DIGEST. moto_server
# serves each request on its own thread, and each thread has its own context.
_digest_request = contextvars.ContextVar("digest_request", default=False)


def _check_digest(response):
    """Real KMS: the digest must be exactly as long as the algorithm's hash."""
    algorithm = response._get_param("SigningAlgorithm")
    digest = response._get_param("Message")
    hash_class = ECDSA_HASHES.get(algorithm)
    if hash_class is not None and len(digest) != hash_class.digest_size:
        raise ValidationException(
            f"Digest is invalid length for algorithm {algorithm}."
        )


def _with_digest_mode(original):
    def handler(self):
        if self._get_param("MessageType") != "DIGEST":
            return original(self)
        _check_digest(self)
        token = _digest_request.set(True)
        try:
            return original(self)
        finally:
            _digest_request.reset(token)

    return handler


def _ecdsa_algorithm(signing_algorithm):
    hash_class = ECDSA_HASHES[signing_algorithm]
    if _digest_request.get():
        return ec.ECDSA(Prehashed(hash_class()))
    return ec.ECDSA(hash_class())


def _ecdsa_sign(self, message, signing_algorithm):
    kms_utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
    return self.private_key.sign(message, _ecdsa_algorithm(signing_algorithm))


def _ecdsa_verify(self, message, signature, signing_algorithm):
    kms_utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
    try:
        self.private_key.public_key().verify(
            signature, message, _ecdsa_algorithm(signing_algorithm)
        )
        return True
    except InvalidSignature:
        return False


def _get_public_key_with_key_spec(original):
    def handler(self):
        try:
            key = self.kms_backend.describe_key(self._get_param("KeyId"))
        except Exception:  # a missing key or alias: moto's own handler answers NotFoundException
            key = None
        if key is not None and key.key_state == "Disabled":
            raise JsonRESTError("DisabledException", f"{key.arn} is disabled.")
        if key is not None and key.key_state != "Enabled":
            raise JsonRESTError(
                "KMSInvalidStateException", f"{key.arn} is {key.key_state}."
            )
        if key is not None and (
            key.key_spec == "SYMMETRIC_DEFAULT" or key.key_spec.startswith("HMAC_")
        ):
            raise JsonRESTError(
                "UnsupportedOperationException",
                f"{key.arn} key usage is {key.key_usage} which is not valid for GetPublicKey.",
            )
        body = json.loads(original(self))
        body.setdefault("KeySpec", body.get("CustomerMasterKeySpec"))
        return json.dumps(body)

    return handler


def _refused_while_pending_deletion(original):
    def handler(self):
        try:
            key = self.kms_backend.describe_key(self._get_param("KeyId"))
        except Exception:  # a missing key: moto's own handler answers NotFoundException
            key = None
        if key is not None and key.key_state == "PendingDeletion":
            raise JsonRESTError(
                "KMSInvalidStateException", f"{key.arn} is pending deletion."
            )
        return original(self)

    return handler


def _user_boundary(self):
    arn = getattr(self, "permissions_boundary_arn", None)
    if not arn:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def _boundary_param(response):
    """The PermissionsBoundary asked for; like real IAM, one that does not exist is refused."""
    arn = response._get_param("PermissionsBoundary")
    if arn and arn not in response.backend.managed_policies:
        raise NoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")
    return arn


def _create_user_with_boundary(original):
    def handler(self):
        arn = _boundary_param(self)
        result = original(self)
        self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = arn
        return result

    return handler


_put_object_lock = threading.Lock()


def _bucket_permission_without_conditions(self, action, resource):
    """moto evaluates no condition: judge a bucket policy by its unconditioned statements."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode())
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    document["Statement"] = [s for s in statements if "Condition" not in s]
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


def _atomic_put_object(original):
    """Real S3: a conditional PutObject's check and write are one step."""

    def handler(self):
        with _put_object_lock:
            return original(self)

    return handler


def _put_user_permissions_boundary(self):
    arn = _boundary_param(self)
    self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = arn
    return EmptyResult()


def _delete_user_permissions_boundary(self):
    self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = None
    return EmptyResult()


def patch_iam_user_boundaries():
    iam_models.User.permissions_boundary = property(_user_boundary)
    Response = iam_responses.IamResponse
    Response.create_user = _create_user_with_boundary(Response.create_user)
    Response.put_user_permissions_boundary = _put_user_permissions_boundary
    Response.delete_user_permissions_boundary = _delete_user_permissions_boundary
    for path in ("CreateUserResponse.User", "GetUserResponse.User"):
        Response.RESPONSE_KEY_PATH_TO_TRANSFORMER[f"{path}.PermissionsBoundary"] = return_if_not_empty
    # Real IAM's ListUsers leaves it out, as moto already does for ListRoles.
    Response.RESPONSE_KEY_PATH_TO_TRANSFORMER["ListUsersResponse.Users.User.PermissionsBoundary"] = never_return


def patch_moto():
    patch_iam_user_boundaries()
    s3_models.FakeBucket.get_permission = _bucket_permission_without_conditions
    s3_responses.S3Response.put_object = _atomic_put_object(
        s3_responses.S3Response.put_object
    )
    kms_utils.ECDSAPrivateKey.sign = _ecdsa_sign
    kms_utils.ECDSAPrivateKey.verify = _ecdsa_verify
    Response = kms_responses.KmsResponse
    Response.sign = _with_digest_mode(Response.sign)
    Response.verify = _with_digest_mode(Response.verify)
    Response.get_public_key = _get_public_key_with_key_spec(Response.get_public_key)
    Response.disable_key = _refused_while_pending_deletion(Response.disable_key)
    Response.schedule_key_deletion = _refused_while_pending_deletion(
        Response.schedule_key_deletion
    )


def speed_up_moto():
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def exit_with_parent():
    """Never outlive the test run: if the process that started us dies (even by SIGKILL), so do we."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: moto_launcher.py PORT")
    patch_moto()
    speed_up_moto()
    exit_with_parent()
    moto.server.main(["--host", "127.0.0.1", "--port", sys.argv[1]])


if __name__ == "__main__":
    main()
