import type { ReactElement } from "react";
import { createBrowserRouter, Navigate, type RouteObject, RouterProvider } from "react-router";
import { AppLayout } from "./components/AppLayout";
import { AuthLayout } from "./components/AuthLayout";
import { AppErrorBoundary, RouteError } from "./components/ErrorBoundary";
import { RequireAdmin, RequireAuth } from "./components/guards";
import { DEV_MAILBOX } from "./config";
import { AccountPage } from "./pages/account/AccountPage";
import { SecurityPage } from "./pages/account/SecurityPage";
import { AdminUserPage } from "./pages/admin/AdminUserPage";
import { AdminUsersPage } from "./pages/admin/AdminUsersPage";
import { AuditLogPage } from "./pages/admin/AuditLogPage";
import { CheckInboxPage } from "./pages/auth/CheckInbox";
import { ForgotPasswordPage } from "./pages/auth/ForgotPassword";
import { ResetPasswordPage } from "./pages/auth/ResetPassword";
import { SignInPage } from "./pages/auth/SignIn";
import { SignUpPage } from "./pages/auth/SignUp";
import { VerifyEmailPage } from "./pages/auth/VerifyEmail";
import { MailboxPage } from "./pages/dev/MailboxPage";
import { NotFoundPage } from "./pages/NotFound";
import { SessionsPage } from "./pages/sessions/SessionsPage";
import { TasksPage } from "./pages/tasks/TasksPage";

export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    children: [
      {
        element: <AuthLayout />,
        children: [
          { path: "sign-in", element: <SignInPage /> },
          { path: "sign-up", element: <SignUpPage /> },
          { path: "check-inbox", element: <CheckInboxPage /> },
          { path: "verify-email", element: <VerifyEmailPage /> },
          { path: "forgot-password", element: <ForgotPasswordPage /> },
          { path: "reset-password", element: <ResetPasswordPage /> },
          { path: "accept-invite", element: <ResetPasswordPage mode="invite" /> },
        ],
      },
      {
        element: <AppLayout />,
        children: [
          { index: true, element: <Navigate to="/tasks" replace /> },
          {
            element: <RequireAuth />,
            children: [
              { path: "tasks", element: <TasksPage /> },
              { path: "account", element: <AccountPage /> },
              { path: "account/security", element: <SecurityPage /> },
              { path: "sessions", element: <SessionsPage /> },
              {
                path: "admin",
                element: <RequireAdmin />,
                children: [
                  { index: true, element: <AdminUsersPage /> },
                  { path: "users/:userId", element: <AdminUserPage /> },
                  { path: "events", element: <AuditLogPage /> },
                ],
              },
            ],
          },
          ...(DEV_MAILBOX ? [{ path: "dev/mailbox", element: <MailboxPage /> }] : []),
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];

const router = createBrowserRouter(routes);

export function App(): ReactElement {
  return (
    <AppErrorBoundary>
      <RouterProvider router={router} />
    </AppErrorBoundary>
  );
}
