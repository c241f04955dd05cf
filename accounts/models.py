import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    INSTRUCTOR = "instructor", "Instructor"


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # The whole address is case-insensitive for us, not only the domain.
        return (email or "").strip().lower()

    def get_by_natural_key(self, email):
        return self.get(email=self.normalize_email(email))

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a student or an instructor; staff are any account with is_staff."""

    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            # Stored lower-cased by the manager; the constraint makes it true even for rows written
            # some other way, and serves the login lookup.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    @property
    def is_instructor(self):
        return self.role == Role.INSTRUCTOR

    @property
    def is_student(self):
        return self.role == Role.STUDENT


def new_guest_id():
    # 32 bytes from the OS's CSPRNG: 256 bits, far past the contract's 122.
    return secrets.token_urlsafe(32)


class GuestSession(models.Model):
    """A visitor who has not signed up, known by the random id in the guest_id cookie."""

    id = models.CharField(primary_key=True, max_length=64, default=new_guest_id, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    converted_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="guest_sessions"
    )
    converted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"guest {self.id[:8]}…"
