/** The help-center articles `POST /ingest` loads when it is sent no documents of its own. */
export interface Article {
  id: string;
  title: string;
  text: string;
}

export const ARTICLES: Article[] = [
  {
    id: "refunds",
    title: "Refund policy",
    text: "Refunds are issued to the original payment method within 5 business days of the returned item arriving at our warehouse. Gift cards cannot be refunded.",
  },
  {
    id: "shipping",
    title: "Shipping times",
    text: "Orders ship from Rotterdam every weekday. Delivery inside the EU takes 2 to 4 days; international delivery takes up to 10 days.",
  },
  {
    id: "password-reset",
    title: "Resetting your password",
    text: "To reset your password, open the sign-in page and choose Forgot password. The reset link in the email expires after 30 minutes.",
  },
  {
    id: "support-hours",
    title: "Support hours",
    text: "Our support team answers chat and email from 8:00 to 18:00 CET, Monday to Friday. Urgent outages are handled around the clock.",
  },
  {
    id: "data-export",
    title: "Exporting your data",
    text: "Account owners can export all projects as a ZIP archive from Settings, then Data. Large exports are emailed as a download link.",
  },
];
